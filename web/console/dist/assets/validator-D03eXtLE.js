import{cy as i}from"./index-C1QaUc3Y.js";const n=o=>["",...i].includes(o);export{n as i};
