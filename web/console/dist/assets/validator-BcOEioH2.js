import{cD as i}from"./index-BTmrtxxJ.js";const n=o=>["",...i].includes(o);export{n as i};
