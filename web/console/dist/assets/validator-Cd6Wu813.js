import{cy as i}from"./index-D5wHTLFi.js";const n=o=>["",...i].includes(o);export{n as i};
